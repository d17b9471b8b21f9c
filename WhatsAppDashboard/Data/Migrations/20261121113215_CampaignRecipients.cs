using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace WhatsAppDashboard.Data.Migrations
{
    /// <inheritdoc />
    public partial class CampaignRecipients : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateOnly>(
                name: "occurrence_date",
                table: "campaigns",
                type: "date",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "parent_campaign_id",
                table: "campaigns",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "campaign_recipients",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    campaign_id = table.Column<int>(type: "integer", nullable: false),
                    contact_id = table.Column<long>(type: "bigint", nullable: true),
                    phone = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    parameters_json = table.Column<string>(type: "jsonb", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    message_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    error_code = table.Column<int>(type: "integer", nullable: true),
                    error_message = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sending_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    delivered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    read_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    failed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    button_clicked = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    button_payload = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    replied_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_campaign_recipients", x => x.id);
                    table.ForeignKey(
                        name: "fk_campaign_recipients_campaigns_campaign_id",
                        column: x => x.campaign_id,
                        principalTable: "campaigns",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_parent_campaign_id_occurrence_date",
                table: "campaigns",
                columns: new[] { "parent_campaign_id", "occurrence_date" },
                unique: true,
                filter: "parent_campaign_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_campaign_recipients_campaign_id_phone",
                table: "campaign_recipients",
                columns: new[] { "campaign_id", "phone" });

            migrationBuilder.CreateIndex(
                name: "ix_campaign_recipients_campaign_id_status",
                table: "campaign_recipients",
                columns: new[] { "campaign_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_campaign_recipients_message_id",
                table: "campaign_recipients",
                column: "message_id",
                unique: true,
                filter: "message_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_campaign_recipients_sent_at",
                table: "campaign_recipients",
                column: "sent_at",
                filter: "sent_at IS NOT NULL");

            migrationBuilder.AddForeignKey(
                name: "fk_campaigns_campaigns_parent_campaign_id",
                table: "campaigns",
                column: "parent_campaign_id",
                principalTable: "campaigns",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_campaigns_campaigns_parent_campaign_id",
                table: "campaigns");

            migrationBuilder.DropTable(
                name: "campaign_recipients");

            migrationBuilder.DropIndex(
                name: "ix_campaigns_parent_campaign_id_occurrence_date",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "occurrence_date",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "parent_campaign_id",
                table: "campaigns");
        }
    }
}
