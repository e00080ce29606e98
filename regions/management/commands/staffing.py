"""Erlang C staffing for one interval: how many agents reach a service-level target.

python manage.py staffing --volume 100 --aht 180 --interval 1800 --target-sl 0.8 --answer-time 20
"""

from django.core.management.base import BaseCommand, CommandError

from regions.staffing import required_agents


class Command(BaseCommand):
    help = "Agents needed for VOLUME contacts in INTERVAL seconds to meet a service-level target (Erlang C)."
    # Pure arithmetic: no database, so no checks that might need one.
    requires_system_checks = []

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if parser.called_from_command_line:
            # argparse dumps the whole usage before a bad number; the one error line says it all.
            parser.print_usage = lambda file=None: None
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--volume", type=float, required=True, help="contacts arriving in the interval")
        parser.add_argument("--aht", type=float, required=True, help="average handling time, seconds")
        parser.add_argument("--interval", type=float, required=True, help="interval length, seconds")
        parser.add_argument(
            "--target-sl", type=float, required=True, help="share answered within --answer-time, e.g. 0.8"
        )
        parser.add_argument("--answer-time", type=float, required=True, help="service-level threshold, seconds")
        parser.add_argument(
            "--max-occupancy", type=float, default=1.0, help="highest allowed agent occupancy (default 1.0)"
        )

    def handle(self, *args, **options):
        try:
            result = required_agents(
                volume=options["volume"],
                aht=options["aht"],
                interval=options["interval"],
                target_sl=options["target_sl"],
                answer_time=options["answer_time"],
                max_occupancy=options["max_occupancy"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"required_agents: {result.agents}")
        self.stdout.write(f"service_level: {result.service_level:.4f}")
        self.stdout.write(f"average_speed_of_answer: {result.average_speed_of_answer:.1f}")
