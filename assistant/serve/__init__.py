"""`backcheck serve`: always on — wake word, check-in, back to listening."""
