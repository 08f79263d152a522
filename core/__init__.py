"""The neutral core: typed model, filing, vocabulary, states, errors and settings; imports no other package of the project."""
