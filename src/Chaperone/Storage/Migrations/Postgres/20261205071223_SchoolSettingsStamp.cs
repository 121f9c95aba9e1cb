using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chaperone.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SchoolSettingsStamp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "SettingsStamp",
                table: "Schools",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SettingsStamp",
                table: "Schools");
        }
    }
}
