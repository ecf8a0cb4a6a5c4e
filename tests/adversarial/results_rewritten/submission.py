"""Attack (simulated by the test): a results file rewritten after the grader wrote it. The submission
itself is honest and earns q01 only; while the batch runs, a tamperer in the test rewrites its
results/<student>.json to full marks as soon as it appears, and later (between the batch and a
--resume) rewrites it again, deletes its feedback and plants a foreign results file. Under bwrap or
uid the student cannot reach the output folder at all: this is the defence for whoever else can."""
# @@REFERENCE_Q01@@
