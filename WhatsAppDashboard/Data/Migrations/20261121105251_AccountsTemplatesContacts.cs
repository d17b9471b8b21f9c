using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace WhatsAppDashboard.Data.Migrations
{
    /// <inheritdoc />
    public partial class AccountsTemplatesContacts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "business_portfolios",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    meta_business_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    messaging_limit_tier = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_business_portfolios", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "contacts",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    phone = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    attributes = table.Column<string>(type: "jsonb", nullable: false),
                    is_opted_out = table.Column<bool>(type: "boolean", nullable: false),
                    opted_out_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    is_blocked = table.Column<bool>(type: "boolean", nullable: false),
                    is_active = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_contacts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    friendly_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    xml = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_data_protection_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "labels",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_labels", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "whatsapp_accounts",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    phone_number_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    waba_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    business_portfolio_id = table.Column<int>(type: "integer", nullable: true),
                    display_phone_number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    access_token_protected = table.Column<string>(type: "text", nullable: true),
                    app_secret_protected = table.Column<string>(type: "text", nullable: true),
                    webhook_verify_token = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    graph_api_version = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    api_base_url = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    throughput_per_second = table.Column<int>(type: "integer", nullable: false),
                    is_sandbox = table.Column<bool>(type: "boolean", nullable: false),
                    is_active = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    templates_synced_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    connection_checked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    connection_check_result = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_whatsapp_accounts", x => x.id);
                    table.ForeignKey(
                        name: "fk_whatsapp_accounts_business_portfolios_business_portfolio_id",
                        column: x => x.business_portfolio_id,
                        principalTable: "business_portfolios",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "contact_labels",
                columns: table => new
                {
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    label_id = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_contact_labels", x => new { x.contact_id, x.label_id });
                    table.ForeignKey(
                        name: "fk_contact_labels_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_contact_labels_labels_label_id",
                        column: x => x.label_id,
                        principalTable: "labels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "whatsapp_templates",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    account_id = table.Column<int>(type: "integer", nullable: false),
                    meta_template_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    language = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    category = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    parameter_format = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    components_json = table.Column<string>(type: "jsonb", nullable: false),
                    synced_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_whatsapp_templates", x => x.id);
                    table.ForeignKey(
                        name: "fk_whatsapp_templates_whatsapp_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "whatsapp_accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_business_portfolios_name",
                table: "business_portfolios",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_contact_labels_label_id",
                table: "contact_labels",
                column: "label_id");

            migrationBuilder.CreateIndex(
                name: "ix_contacts_name",
                table: "contacts",
                column: "name");

            migrationBuilder.CreateIndex(
                name: "ix_contacts_phone",
                table: "contacts",
                column: "phone",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_labels_name",
                table: "labels",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_whatsapp_accounts_business_portfolio_id",
                table: "whatsapp_accounts",
                column: "business_portfolio_id");

            migrationBuilder.CreateIndex(
                name: "ix_whatsapp_accounts_name",
                table: "whatsapp_accounts",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_whatsapp_accounts_phone_number_id",
                table: "whatsapp_accounts",
                column: "phone_number_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_whatsapp_templates_account_id_name_language",
                table: "whatsapp_templates",
                columns: new[] { "account_id", "name", "language" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "contact_labels");

            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "whatsapp_templates");

            migrationBuilder.DropTable(
                name: "contacts");

            migrationBuilder.DropTable(
                name: "labels");

            migrationBuilder.DropTable(
                name: "whatsapp_accounts");

            migrationBuilder.DropTable(
                name: "business_portfolios");
        }
    }
}
