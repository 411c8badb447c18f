"""Evaluation of the policy QA assistant: `python -m eval run …` scores the assistant and three
retrieval baselines on a JSONL dataset and writes a Markdown + JSON report; `python -m eval bench`
prints performance figures against the project's goals.

Modules: `dataset` (load and check a dataset), `metrics` (pure scoring functions), `baselines`
(naive LlamaIndex, BM25, hybrid), `runner` (the `run` command), `report` (Markdown, JSON, plot),
`bench` (the `bench` command).
"""
