using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chaperone.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ParticipantTimes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_SessionPupils_PupilId",
                table: "SessionPupils");

            migrationBuilder.DropIndex(
                name: "IX_SessionGuardians_GuardianId",
                table: "SessionGuardians");

            migrationBuilder.AddColumn<long>(
                name: "End",
                table: "SessionPupils",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "Start",
                table: "SessionPupils",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "End",
                table: "SessionGuardians",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "Start",
                table: "SessionGuardians",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Existing participants take their session's times (the context keeps them from now on).
            foreach (var table in new[] { "SessionPupils", "SessionGuardians" })
            {
                migrationBuilder.Sql($"""
                    UPDATE "{table}" SET
                        "Start" = (SELECT "Sessions"."Start" FROM "Sessions" WHERE "Sessions"."Id" = "{table}"."SessionId"),
                        "End" = (SELECT "Sessions"."End" FROM "Sessions" WHERE "Sessions"."Id" = "{table}"."SessionId");
                    """);
            }

            migrationBuilder.CreateIndex(
                name: "IX_SessionPupils_PupilId_Start",
                table: "SessionPupils",
                columns: new[] { "PupilId", "Start" });

            migrationBuilder.CreateIndex(
                name: "IX_SessionGuardians_GuardianId_Start",
                table: "SessionGuardians",
                columns: new[] { "GuardianId", "Start" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_SessionPupils_PupilId_Start",
                table: "SessionPupils");

            migrationBuilder.DropIndex(
                name: "IX_SessionGuardians_GuardianId_Start",
                table: "SessionGuardians");

            migrationBuilder.DropColumn(
                name: "End",
                table: "SessionPupils");

            migrationBuilder.DropColumn(
                name: "Start",
                table: "SessionPupils");

            migrationBuilder.DropColumn(
                name: "End",
                table: "SessionGuardians");

            migrationBuilder.DropColumn(
                name: "Start",
                table: "SessionGuardians");

            migrationBuilder.CreateIndex(
                name: "IX_SessionPupils_PupilId",
                table: "SessionPupils",
                column: "PupilId");

            migrationBuilder.CreateIndex(
                name: "IX_SessionGuardians_GuardianId",
                table: "SessionGuardians",
                column: "GuardianId");
        }
    }
}
