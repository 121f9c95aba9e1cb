using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chaperone.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Retention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TeamsRecording");

            migrationBuilder.DropIndex(
                name: "IX_Recording_SchoolId",
                table: "Recording");

            migrationBuilder.AddColumn<string>(
                name: "ContentHash",
                table: "Recording",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "DeletedAt",
                table: "Recording",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "DeletionPendingAt",
                table: "Recording",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeletionReason",
                table: "Recording",
                type: "character varying(400)",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "HeldAt",
                table: "Recording",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "HeldById",
                table: "Recording",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HoldReason",
                table: "Recording",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Provider",
                table: "Recording",
                type: "character varying(20)",
                maxLength: 20,
                nullable: false,
                defaultValue: "builtin");

            migrationBuilder.AddColumn<int>(
                name: "ProviderCopyAttempts",
                table: "Recording",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ProviderCopyDeletedAt",
                table: "Recording",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ProviderCopyError",
                table: "Recording",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ProviderCopyNextAttemptAt",
                table: "Recording",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "ProviderHoldsCopy",
                table: "Recording",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "ProviderRecordingId",
                table: "Recording",
                type: "character varying(400)",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "WrappedKey",
                table: "Recording",
                type: "bytea",
                maxLength: 60,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DeletionRecord",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Kind = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    SubjectId = table.Column<Guid>(type: "uuid", nullable: false),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: true),
                    What = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    Why = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    ContentHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeletionRecord", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RetentionSettings",
                columns: table => new
                {
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    FaceToFaceResumedOn = table.Column<DateOnly>(type: "date", nullable: true),
                    ConcernsYearsAfterBirth = table.Column<int>(type: "integer", nullable: false),
                    InterventionRecordsYears = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetentionSettings", x => x.SchoolId);
                    table.ForeignKey(
                        name: "FK_RetentionSettings_Schools_SchoolId",
                        column: x => x.SchoolId,
                        principalTable: "Schools",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Recording_DeletionPendingAt_Id",
                table: "Recording",
                columns: new[] { "DeletionPendingAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Recording_SchoolId_StartedAt",
                table: "Recording",
                columns: new[] { "SchoolId", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Recording_SessionId_ProviderRecordingId",
                table: "Recording",
                columns: new[] { "SessionId", "ProviderRecordingId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DeletionRecord_Kind_SubjectId",
                table: "DeletionRecord",
                columns: new[] { "Kind", "SubjectId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DeletionRecord_SchoolId_At",
                table: "DeletionRecord",
                columns: new[] { "SchoolId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DeletionRecord");

            migrationBuilder.DropTable(
                name: "RetentionSettings");

            migrationBuilder.DropIndex(
                name: "IX_Recording_DeletionPendingAt_Id",
                table: "Recording");

            migrationBuilder.DropIndex(
                name: "IX_Recording_SchoolId_StartedAt",
                table: "Recording");

            migrationBuilder.DropIndex(
                name: "IX_Recording_SessionId_ProviderRecordingId",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "ContentHash",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "DeletedAt",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "DeletionPendingAt",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "DeletionReason",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "HeldAt",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "HeldById",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "HoldReason",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "Provider",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "ProviderCopyAttempts",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "ProviderCopyDeletedAt",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "ProviderCopyError",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "ProviderCopyNextAttemptAt",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "ProviderHoldsCopy",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "ProviderRecordingId",
                table: "Recording");

            migrationBuilder.DropColumn(
                name: "WrappedKey",
                table: "Recording");

            migrationBuilder.CreateTable(
                name: "TeamsRecording",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CopiedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    GraphRecordingId = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    Length = table.Column<long>(type: "bigint", nullable: false),
                    RecordedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    StoredName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    TeamsCopyDeletedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TeamsRecording", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TeamsRecording_Sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "Sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Recording_SchoolId",
                table: "Recording",
                column: "SchoolId");

            migrationBuilder.CreateIndex(
                name: "IX_TeamsRecording_SchoolId",
                table: "TeamsRecording",
                column: "SchoolId");

            migrationBuilder.CreateIndex(
                name: "IX_TeamsRecording_SessionId_GraphRecordingId",
                table: "TeamsRecording",
                columns: new[] { "SessionId", "GraphRecordingId" },
                unique: true);
        }
    }
}
