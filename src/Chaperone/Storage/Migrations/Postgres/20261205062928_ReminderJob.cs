using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chaperone.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ReminderJob : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "SessionSequence",
                table: "OutboxMessages",
                type: "integer",
                nullable: true);

            // Reminders written with their booking by earlier versions: the session version they
            // tell of is in their facts. With it, the reminder job does not write them again.
            migrationBuilder.Sql("""
                UPDATE "OutboxMessages" SET "SessionSequence" = ("Facts"::jsonb ->> 'Sequence')::integer
                WHERE "Kind" IN ('ReminderDayBefore', 'ReminderMorning') AND "Facts" IS NOT NULL AND "SessionId" IS NOT NULL
                """);

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_OneReminder",
                table: "OutboxMessages",
                columns: new[] { "SessionId", "SessionSequence", "Kind", "RecipientRole", "RecipientId" },
                unique: true,
                filter: "\"SessionSequence\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_OneReminder",
                table: "OutboxMessages");

            migrationBuilder.DropColumn(
                name: "SessionSequence",
                table: "OutboxMessages");
        }
    }
}
