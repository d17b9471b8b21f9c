using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WhatsAppDashboard.Data.Migrations
{
    /// <inheritdoc />
    public partial class RecipientPagingIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_campaign_recipients_campaign_id_id",
                table: "campaign_recipients",
                columns: new[] { "campaign_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_campaign_recipients_campaign_id_id",
                table: "campaign_recipients");
        }
    }
}
