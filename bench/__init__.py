"""`make bench`: throughput and lag, as ratios to the raw broker and store measured in the same run."""
