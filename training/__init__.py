"""Training the evidence scorer (issue 21): data built from human labels, mined negatives and
perturbed claims, then the model. Not part of the shipped package. See training/README.md."""
