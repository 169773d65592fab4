"""`backcheck bench`: accuracy, false accepts, speed and memory of speech understanding.

Modules: noise (gym noise and SNR mixing), corpus (what is said), scoring (exact intent and slots,
the naive keyword skill), runner (recognition in worker processes), speed (RTF, latency, memory per
engine in its own process), report (JSON, Markdown, plot), command (the CLI entry).
"""
