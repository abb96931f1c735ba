"""Where the models come from and what they run on: packaged model files resolved, assembled
and checked by sha256 (`models`), GPU and llama.cpp build probes (`hardware`), and the switches
that keep libraries offline (`offline`).

May import: `assistant.errors`, `assistant.settings`, and modules of this package.
"""
