"""The image service v2 subset the compute clients need (under /image)."""
