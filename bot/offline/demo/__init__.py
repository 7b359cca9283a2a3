"""`aigov demo`: the story (play.py), its cast and storyteller (story.py), its data files (data.py) and its scenes."""
