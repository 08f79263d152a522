"""Reference data for the validators (bureaus); a package only so the files ship with it."""
