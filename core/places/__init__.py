"""Places: properties keyed by UPRN, kept up to date from the council's gazetteer, and places entered by hand."""
