"""``warroom baseline update``: detector baselines, through the HTTP API."""

import typer

from warroom.cli.common import TOKEN_OPTION, URL_OPTION, Api, console, group

app = group("Detector baselines.")


@app.command("update")
def baseline_update(
    service: str,
    version: str = typer.Option(None, help="default: the version taking most traffic"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Save current traffic as the baseline (after promoting a version)."""
    params = {"version": version} if version else {}
    row = Api(url, token).call("POST", f"/api/v1/services/{service}/baseline", params=params)
    console.print(
        f"baseline of {service} {row['version']} saved from {row['requests']} "
        f"requests (mean probability {row['mean_probability']:.3f})"
    )
