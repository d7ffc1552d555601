"""The measurement engine behind :func:`prodbench.measure` and :func:`prodbench.compare`.

Internal: nothing here is public API, and names may move between releases.
Use :mod:`prodbench.pipeline` (or ``import prodbench as pb``).

* :mod:`.options`: the run's options, checked once (``_Options.from_kwargs``);
* :mod:`.shared`: the data every candidate shares (split, request rows, batches);
* :mod:`.failures`: the watchdog, the interrupt policy, every failure message;
* :mod:`.candidate`: one candidate's phases in this process;
* :mod:`.isolated`: the same candidate in its own worker process;
* :mod:`.driver`: the ``Runner`` protocol and the interleaved run;
* :mod:`.variants`: compiled-runtime variants derived from fitted candidates;
* :mod:`.calibrated`: the calibration kernel interleaved with the latency blocks;
* :mod:`.research_threads`: the fits' thread probe (1 thread where the machine's pools are slower).
"""
