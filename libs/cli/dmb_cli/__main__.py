from dmb_cli.main import app

app()
