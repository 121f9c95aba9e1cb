using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chaperone.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LookupIndexesBySchoolAndId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PupilGuardians_SchoolId",
                table: "PupilGuardians");

            migrationBuilder.DropIndex(
                name: "IX_Guardians_SchoolId",
                table: "Guardians");

            migrationBuilder.CreateIndex(
                name: "IX_Pupils_SchoolId_Id",
                table: "Pupils",
                columns: new[] { "SchoolId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_PupilGuardians_SchoolId_PupilId",
                table: "PupilGuardians",
                columns: new[] { "SchoolId", "PupilId" });

            migrationBuilder.CreateIndex(
                name: "IX_Guardians_SchoolId_Id",
                table: "Guardians",
                columns: new[] { "SchoolId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Pupils_SchoolId_Id",
                table: "Pupils");

            migrationBuilder.DropIndex(
                name: "IX_PupilGuardians_SchoolId_PupilId",
                table: "PupilGuardians");

            migrationBuilder.DropIndex(
                name: "IX_Guardians_SchoolId_Id",
                table: "Guardians");

            migrationBuilder.CreateIndex(
                name: "IX_PupilGuardians_SchoolId",
                table: "PupilGuardians",
                column: "SchoolId");

            migrationBuilder.CreateIndex(
                name: "IX_Guardians_SchoolId",
                table: "Guardians",
                column: "SchoolId");
        }
    }
}
