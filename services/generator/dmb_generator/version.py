"""The version of the value generators, recorded with every job.

Bump rule: any change that alters the values produced for the same (spec, seed, chunk, locale, pools) bumps
this version (minor for new generators or options that leave existing output untouched is not enough: if a
single produced value can differ, bump it), so "same definition + seed + generator version → same rows" holds.
"""

GENERATOR_VERSION = "1.7.0"
