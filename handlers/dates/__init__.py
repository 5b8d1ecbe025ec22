"""Norwegian deadline expressions: parse one, find one in a sentence, format dates."""
