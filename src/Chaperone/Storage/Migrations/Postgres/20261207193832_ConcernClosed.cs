using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chaperone.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ConcernClosed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ClosedAt",
                table: "Concerns",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ClosedById",
                table: "Concerns",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ClosedByName",
                table: "Concerns",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ClosedAt",
                table: "Concerns");

            migrationBuilder.DropColumn(
                name: "ClosedById",
                table: "Concerns");

            migrationBuilder.DropColumn(
                name: "ClosedByName",
                table: "Concerns");
        }
    }
}
