using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WhatsAppDashboard.Data.Migrations
{
    /// <summary>
    /// Every change of a campaign's status or counters sends NOTIFY campaign_changes with the campaign id, from the
    /// database itself, so no code path can forget to signal the live pages of every instance. NOTIFY is delivered on
    /// commit (nothing for a rolled-back change) and PostgreSQL folds identical notifications of one transaction into one.
    /// Row-level on purpose: every writer updates a campaign row once per statement (the dispatcher's result batches
    /// update thousands of recipients but each campaign row once), and a row trigger can be limited to the columns the
    /// live view shows, which a trigger with transition tables cannot.
    /// </summary>
    public partial class CampaignChangeNotifications : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                CREATE FUNCTION notify_campaign_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        PERFORM pg_notify('campaign_changes', OLD.id::text);
                        RETURN OLD;
                    END IF;
                    PERFORM pg_notify('campaign_changes', NEW.id::text);
                    RETURN NEW;
                END $$;

                CREATE TRIGGER campaigns_notify_insert_delete
                    AFTER INSERT OR DELETE ON campaigns
                    FOR EACH ROW EXECUTE FUNCTION notify_campaign_change();

                CREATE TRIGGER campaigns_notify_progress
                    AFTER UPDATE OF status, total_count, sent_count, delivered_count, read_count, failed_count, skipped_count,
                                    replied_count, button_click_count, started_at, completed_at, last_error ON campaigns
                    FOR EACH ROW
                    WHEN (OLD.status IS DISTINCT FROM NEW.status
                          OR OLD.total_count IS DISTINCT FROM NEW.total_count
                          OR OLD.sent_count IS DISTINCT FROM NEW.sent_count
                          OR OLD.delivered_count IS DISTINCT FROM NEW.delivered_count
                          OR OLD.read_count IS DISTINCT FROM NEW.read_count
                          OR OLD.failed_count IS DISTINCT FROM NEW.failed_count
                          OR OLD.skipped_count IS DISTINCT FROM NEW.skipped_count
                          OR OLD.replied_count IS DISTINCT FROM NEW.replied_count
                          OR OLD.button_click_count IS DISTINCT FROM NEW.button_click_count
                          OR OLD.started_at IS DISTINCT FROM NEW.started_at
                          OR OLD.completed_at IS DISTINCT FROM NEW.completed_at
                          OR OLD.last_error IS DISTINCT FROM NEW.last_error)
                    EXECUTE FUNCTION notify_campaign_change();
                """);
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                DROP TRIGGER IF EXISTS campaigns_notify_progress ON campaigns;
                DROP TRIGGER IF EXISTS campaigns_notify_insert_delete ON campaigns;
                DROP FUNCTION IF EXISTS notify_campaign_change();
                """);
        }
    }
}
