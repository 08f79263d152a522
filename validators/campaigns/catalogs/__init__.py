"""Previous catalogues referenced by campaign files; a package only so the files ship."""
