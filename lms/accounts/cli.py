"""``flask --app lms users ...``: accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from lms.accounts import services
from lms.accounts.models import Role, User
from lms.extensions import db

users_cli = AppGroup("users", help="Create and manage accounts.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _user(email: str) -> User:
    user = services.find_user_by_email(email)
    if user is None:
        _fail(f"No account uses the email address {email!r}.")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--name", "full_name", required=True, help="Full name, as on certificates.")
@click.option("--role", type=ROLE_CHOICE, default=Role.LEARNER.value, show_default=True)
@click.option("--profession", default="", help="Profession or training level.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
def create_user(email, full_name, role, profession, password_stdin):
    """Create an account with EMAIL; the password is prompted for (never an argument)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(
            email=email,
            full_name=full_name,
            role=role,
            password=password,
            profession=profession,
            via="cli",
        )
    except services.AccountError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(f"Created {user.role} {user.full_name} <{user.email}>.")


@users_cli.command("list")
@click.option("--role", type=ROLE_CHOICE, help="Only accounts with this role.")
def list_users(role):
    """List accounts: email, role, active or not, name."""
    query = select(User).order_by(func.lower(User.email))
    if role:
        query = query.where(User.role == role)
    users = db.session.execute(query).scalars().all()
    if not users:
        click.echo("No accounts.")
        return
    width = max(len(u.email) for u in users)
    for u in users:
        state = "active" if u.active else "deactivated"
        click.echo(f"{u.email:<{width}}  {u.role:<13}  {state:<11}  {u.full_name}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
def set_role(email, role):
    """Give the account EMAIL the role ROLE."""
    user = _user(email)
    services.set_role(user, role, actor=None, via="cli")
    db.session.commit()
    click.echo(f"{user.email} is now {user.role}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email):
    """Stop EMAIL from signing in, and end their sessions. Their records stay."""
    user = _user(email)
    if not user.active:
        _fail(f"{user.email} is already deactivated.")
    services.set_active(user, False, actor=None, via="cli")
    db.session.commit()
    click.echo(f"{user.email} is deactivated; their records are kept.")


@users_cli.command("activate")
@click.argument("email")
def activate(email):
    """Let a deactivated account sign in again."""
    user = _user(email)
    if user.active:
        _fail(f"{user.email} is already active.")
    services.set_active(user, True, actor=None, via="cli")
    db.session.commit()
    click.echo(f"{user.email} is active again.")
