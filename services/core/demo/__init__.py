"""The demo dataset: a small, realistic observatory to try the API and its front-ends on.

`observatoire seed-demo` loads it (see `seed.py`); the data itself is in `demo.json`, read by
`dataset.py`.
"""
