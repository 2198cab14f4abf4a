"""Working with other coders: agreement between coders, its statistics, and merging projects.

    agreement.py    who applied which code to which unit; agreement tables; disagreements; resolve
    reliability.py  percent agreement, Cohen's kappa, Krippendorff's alpha (pure arithmetic)
    merge.py        bring another coder's project into this one

Exchange with other tools (REFI-QDA) lives in :mod:`codering.refi`.
"""
