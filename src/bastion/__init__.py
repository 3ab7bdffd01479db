"""bastion: a counter-RAM / counter-UAS defence simulator and engine.

The kill chain is the package tree: ``world`` (truth, simulation only) feeds ``sense`` data to
``track`` -> ``assess`` -> ``engage``, wired by ``engine`` and recorded by ``store``. Decision code
never imports ``world`` (the information barrier, checked by import-linter).
"""

__version__ = "0.1.0"
