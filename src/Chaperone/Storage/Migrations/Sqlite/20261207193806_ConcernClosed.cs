using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chaperone.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ConcernClosed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ClosedAt",
                table: "Concerns",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ClosedById",
                table: "Concerns",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ClosedByName",
                table: "Concerns",
                type: "TEXT",
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
