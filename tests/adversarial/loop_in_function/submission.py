"""Attack: receptive_field never returns (a busy loop, KeyboardInterrupt swallowed).
The q01 functions are correct copies of the reference: they must still earn their points."""
# @@REFERENCE_Q01@@


def receptive_field(layers):
    while True:
        try:
            while True:
                pass
        except BaseException:  # noqa: BLE001 - swallow any signal turned into an exception
            continue
