"""`python -m bot ...` runs the `nhacviec` command line."""

from bot.cli import app

if __name__ == "__main__":
    app(prog_name="nhacviec")
