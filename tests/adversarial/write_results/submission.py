"""Attack: while it runs (at import), rewrite every results/*.json, journal.jsonl, gradebook.csv and
feedback file it can find, drop a file into the test's canary folder, into any copy of
solutions/a1_numpy_cnn and the hidden tests, and next to the worker's own code. Defines nothing."""
_CASE = "write_results"
# @@ATTACK_KIT@@

attack_files()
