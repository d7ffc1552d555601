"""Hostile models for ``benchmarks/hostile_rerun.py``: each misbehaves in one way.

Every class fits a small logistic regression so that it can be scored; the
misbehaviour is in one method. Loading or naming this module runs its code:
it is test material, never imported by prodbench itself.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

import numpy as np
from sklearn.linear_model import LogisticRegression


class _Base:
    def fit(self, X, y):
        self.model_ = LogisticRegression(max_iter=500).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


class LRNaNProba(_Base):
    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), np.nan)


class LRWrongShapeProba(_Base):
    def predict_proba(self, X):
        return np.zeros(3)


class Forks(_Base):
    def fit(self, X, y):
        if os.fork() == 0:  # a child that outlives its parent unless killed with its group
            time.sleep(3600)
            os._exit(0)
        return super().fit(X, y)


class KbInt(_Base):
    def predict(self, X):
        raise KeyboardInterrupt


class WritesFd1(_Base):
    def predict(self, X):
        os.write(1, b"GARBAGE-ON-FD1\n")
        return super().predict(X)


class ChdirModel(_Base):
    def fit(self, X, y):
        os.chdir("/")
        return super().fit(X, y)


class SpawnThreads(_Base):
    def fit(self, X, y):
        threading.Thread(target=time.sleep, args=(3600,)).start()  # not a daemon
        return super().fit(X, y)


class AlarmIgnore(_Base):
    calls = 0

    def predict(self, X):
        type(self).calls += 1
        if type(self).calls > 50:
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            time.sleep(3600)
        return super().predict(X)


class ExitInDel(_Base):
    def __del__(self):
        os._exit(9)


class ReturnsNone(_Base):
    def predict(self, X):
        return None


class ReturnsScalar(_Base):
    def predict(self, X):
        return 0


class PrintsMB(_Base):
    def predict(self, X):
        sys.stdout.write("x" * 1_000_000 + "\n")
        return super().predict(X)


class SleepForever(_Base):
    def predict(self, X):
        time.sleep(3600)


class SleepAfter(_Base):
    calls = 0

    def predict(self, X):
        type(self).calls += 1
        if type(self).calls > 10:
            time.sleep(3600)
        return super().predict(X)


class Segv(_Base):
    def predict(self, X):
        ctypes.string_at(0)
