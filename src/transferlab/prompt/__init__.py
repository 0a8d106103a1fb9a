"""Visual prompting on a frozen CLIP (study part 2.2 onwards)."""
