using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chaperone.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OutboxClaimIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_Claimed",
                table: "OutboxMessages",
                column: "LeaseToken",
                filter: "\"LeaseToken\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_Claimed",
                table: "OutboxMessages");
        }
    }
}
