"""Calendar: bank holidays per nation, seeded from the holidays library and amended by administrators."""
