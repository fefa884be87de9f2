from __future__ import annotations

import boto3
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
login_manager = LoginManager()
s3 = boto3.client("s3")
