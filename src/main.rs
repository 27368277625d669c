//! The `riskrate` command: parses arguments and dispatches to `cli::*`.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli::Exit;

const EXAMPLES: &str = "\
Examples:
  riskrate score examples/incidents.jsonl --as-of 2026-11-28
  riskrate explain digitalmentalhealthconsortium examples/incidents.jsonl --as-of 2020-11-01
  riskrate rules show > my-rules.toml && riskrate rules check my-rules.toml";

/// Transparent, reproducible cyber-risk ratings from incident records.
///
/// Every weight lives in a rules file (see `riskrate rules show`); every rating says
/// why it is what it is (see `riskrate explain`).
#[derive(Debug, Parser)]
#[command(name = "riskrate", version, propagate_version = true, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Score(cli::score::ScoreArgs),
    Explain(cli::explain::ExplainArgs),
    Rules(cli::rules::RulesArgs),
    Gen(cli::generate::GenArgs),
    Diff(cli::diff::DiffArgs),
    Backtest(cli::backtest::BacktestArgs),
    History(cli::history::HistoryArgs),
    Import(cli::import::ImportArgs),
    Report(cli::report::ReportArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Example:\n  riskrate completions bash > /etc/bash_completion.d/riskrate"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
        /// Write the script to FILE instead of standard output (`-`).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
    /// Print the manual page (roff), e.g. `riskrate man > riskrate.1`.
    #[command(after_help = "Example:\n  riskrate man > ~/.local/share/man/man1/riskrate.1")]
    Man {
        /// Write the page to FILE instead of standard output (`-`).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    // Help, version and usage errors are clap's to word; a failure to write them
    // (a full disk, a closed pipe) is status 2 like any other failed write.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            return match e.print() {
                Ok(()) => ExitCode::from(code),
                Err(_) => ExitCode::from(2),
            };
        }
    };
    let result = match &cli.command {
        Command::Score(a) => cli::score::run(a),
        Command::Explain(a) => cli::explain::run(a),
        Command::Rules(a) => cli::rules::run(a),
        Command::Gen(a) => cli::generate::run(a),
        Command::Diff(a) => cli::diff::run(a),
        Command::Backtest(a) => cli::backtest::run(a),
        Command::History(a) => cli::history::run(a),
        Command::Import(a) => cli::import::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Completions { shell, output } => {
            // clap_complete panics on a failed write: the script is made in memory
            // and written through the one output path.
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "riskrate", &mut script);
            cli::output::output(output.as_deref(), &cli::output::Inputs::new())
                .and_then(|out| out.write(|w| w.write_all(&script)))
                .map(|()| Exit::Ok)
        }
        Command::Man { output } => {
            let man = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
            cli::output::output(output.as_deref(), &cli::output::Inputs::new())
                .and_then(|out| out.write(|w| man.render(w)))
                .map(|()| Exit::Ok)
        }
    };
    let code = match result {
        Ok(Exit::Ok) => ExitCode::SUCCESS,
        Ok(Exit::Failed) => ExitCode::from(1),
        Err(e) => {
            cli::output::say(format_args!(
                "riskrate: error: {}",
                riskrate::unstable::escape::terminal(&e.to_string())
            ));
            return ExitCode::from(2);
        }
    };
    // A message that did not reach stderr is a failed write like any other.
    if cli::output::stderr_failed() {
        return ExitCode::from(2);
    }
    code
}
