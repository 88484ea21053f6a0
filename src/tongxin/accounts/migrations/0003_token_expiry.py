"""API tokens get a lifetime. Tokens made before have none; they get ``API_TOKEN_DAYS`` from the day
this runs (the callable default is evaluated once for the existing rows), so no client stops at once."""

import tongxin.accounts.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_system_actor"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=tongxin.accounts.models.token_expiry, verbose_name="有效期至"),
        ),
    ]
