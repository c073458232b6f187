"""YAML in and out: the only modules that call PyYAML, and they know nothing of lint or stores.

``read`` builds a file's values with their positions and problems, ``explain`` words libyaml's
syntax errors, ``comments`` finds the comments that matter, ``emit`` writes scalars that read back
exactly, and ``scalars`` holds the YAML 1.1 resolution that reading and writing share.
"""
