using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chaperone.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TeamsMeetings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "TeamsAccount",
                columns: table => new
                {
                    StaffId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TeamsAccount", x => x.StaffId);
                    table.ForeignKey(
                        name: "FK_TeamsAccount_AspNetUsers_StaffId",
                        column: x => x.StaffId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TeamsMeeting",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OrganizerUserId = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    EventId = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    OnlineMeetingId = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    JoinUrl = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    OptionsJson = table.Column<string>(type: "TEXT", nullable: true),
                    OptionsReadAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DriftCorrectedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LockedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AttendanceReadAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AttendanceJson = table.Column<string>(type: "TEXT", nullable: true),
                    RecordingsReadAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TeamsMeeting", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TeamsMeeting_Sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "Sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TeamsRecording",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    GraphRecordingId = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    StoredName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Length = table.Column<long>(type: "INTEGER", nullable: false),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CopiedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    TeamsCopyDeletedAt = table.Column<long>(type: "INTEGER", nullable: true)
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

            migrationBuilder.CreateTable(
                name: "TeamsSchoolSettings",
                columns: table => new
                {
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DefaultProvider = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    AllowPerSession = table.Column<bool>(type: "INTEGER", nullable: false),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    ClientId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    ProtectedClientSecret = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TeamsSchoolSettings", x => x.SchoolId);
                    table.ForeignKey(
                        name: "FK_TeamsSchoolSettings_Schools_SchoolId",
                        column: x => x.SchoolId,
                        principalTable: "Schools",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TeamsAccount_SchoolId",
                table: "TeamsAccount",
                column: "SchoolId");

            migrationBuilder.CreateIndex(
                name: "IX_TeamsMeeting_SchoolId_State",
                table: "TeamsMeeting",
                columns: new[] { "SchoolId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_TeamsMeeting_SessionId",
                table: "TeamsMeeting",
                column: "SessionId",
                unique: true);

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

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TeamsAccount");

            migrationBuilder.DropTable(
                name: "TeamsMeeting");

            migrationBuilder.DropTable(
                name: "TeamsRecording");

            migrationBuilder.DropTable(
                name: "TeamsSchoolSettings");
        }
    }
}
