from dmb_platform.main import app

app()
