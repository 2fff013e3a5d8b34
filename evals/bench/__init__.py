"""`assistant bench`: the assistant measured on this machine, each figure beside its floor.

One module per job: corpus (the generated articles), ingest_bench, retrieval_bench,
answer_bench, peer_chain, server_bench, worker (the measurements that need a process of
their own), report (bench.json, bench.md, the chart) and run (the sizes, in order).
"""
