"""Reference geography of Grand Est: build at install time, load, look up."""
