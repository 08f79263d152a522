"""Campaign YAML files (one per campaign id); a package only so the files ship with it."""
