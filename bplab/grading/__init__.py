"""Grading: checks defined once, run in a sandbox, reported everywhere.

``checks`` defines what a check is, ``registry`` finds them, ``sandbox`` runs
submitted code in child processes, ``runner`` turns returned values into
verdicts, ``report`` prints tables and writes JSON, Gradescope and CSV.
"""
