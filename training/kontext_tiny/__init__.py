"""kontext-tiny: a small FLUX.1 Kontext-style in-context flow model and its training recipe."""
