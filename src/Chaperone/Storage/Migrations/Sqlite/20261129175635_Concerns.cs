using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chaperone.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Concerns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Concerns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RaisedById = table.Column<Guid>(type: "TEXT", nullable: false),
                    RaisedByName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RaisedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Summary = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Detail = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    ChildsOwnWords = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: true),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: true),
                    RecordingOffsetSeconds = table.Column<int>(type: "INTEGER", nullable: true),
                    RoutedToId = table.Column<Guid>(type: "TEXT", nullable: true),
                    NotifiedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EscalateAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EscalatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AcknowledgedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AcknowledgedById = table.Column<Guid>(type: "TEXT", nullable: true),
                    AcknowledgedByName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Concerns", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Concerns_AspNetUsers_RaisedById",
                        column: x => x.RaisedById,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Concerns_Schools_SchoolId",
                        column: x => x.SchoolId,
                        principalTable: "Schools",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Concerns_Sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "Sessions",
                        principalColumn: "Id");
                });

            migrationBuilder.CreateTable(
                name: "ConcernSettings",
                columns: table => new
                {
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AcknowledgeWithinMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    HeadteacherId = table.Column<Guid>(type: "TEXT", nullable: true),
                    BehaviourLeadId = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConcernSettings", x => x.SchoolId);
                    table.ForeignKey(
                        name: "FK_ConcernSettings_Schools_SchoolId",
                        column: x => x.SchoolId,
                        principalTable: "Schools",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ConcernEntries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ConcernId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ActorId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ActorName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConcernEntries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ConcernEntries_Concerns_ConcernId",
                        column: x => x.ConcernId,
                        principalTable: "Concerns",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ConcernPupils",
                columns: table => new
                {
                    ConcernId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PupilId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConcernPupils", x => new { x.ConcernId, x.PupilId });
                    table.ForeignKey(
                        name: "FK_ConcernPupils_Concerns_ConcernId",
                        column: x => x.ConcernId,
                        principalTable: "Concerns",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ConcernPupils_Pupils_PupilId",
                        column: x => x.PupilId,
                        principalTable: "Pupils",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ConcernEntries_ConcernId_At_Sequence",
                table: "ConcernEntries",
                columns: new[] { "ConcernId", "At", "Sequence" });

            migrationBuilder.CreateIndex(
                name: "IX_ConcernEntries_SchoolId",
                table: "ConcernEntries",
                column: "SchoolId");

            migrationBuilder.CreateIndex(
                name: "IX_ConcernPupils_PupilId",
                table: "ConcernPupils",
                column: "PupilId");

            migrationBuilder.CreateIndex(
                name: "IX_ConcernPupils_SchoolId_PupilId",
                table: "ConcernPupils",
                columns: new[] { "SchoolId", "PupilId" });

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_EscalateAt_EscalatedAt_AcknowledgedAt",
                table: "Concerns",
                columns: new[] { "EscalateAt", "EscalatedAt", "AcknowledgedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_RaisedById",
                table: "Concerns",
                column: "RaisedById");

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_SchoolId_Number",
                table: "Concerns",
                columns: new[] { "SchoolId", "Number" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_SchoolId_RaisedById",
                table: "Concerns",
                columns: new[] { "SchoolId", "RaisedById" });

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_SessionId",
                table: "Concerns",
                column: "SessionId");

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_Status_NotifiedAt",
                table: "Concerns",
                columns: new[] { "Status", "NotifiedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ConcernEntries");

            migrationBuilder.DropTable(
                name: "ConcernPupils");

            migrationBuilder.DropTable(
                name: "ConcernSettings");

            migrationBuilder.DropTable(
                name: "Concerns");
        }
    }
}
