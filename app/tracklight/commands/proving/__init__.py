"""`make prove` (`tracklight catalog prove`): install real tools, opt out with Tracklight, ask each tool itself.

install.py puts pinned packages into a cache outside the repository; sandbox.py runs one oracle in a sandbox home
(offline while the tool runs); record.py writes the result into the entry's `[[proofs]]`; runner.py runs many in
parallel and prints the table. The oracles themselves are data: resources/catalog/oracles/.
"""
