"""Photo descriptors the worker computes at index time (colour, local features) and their table."""
