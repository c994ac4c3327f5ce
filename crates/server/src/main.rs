use clap::Parser;

fn main() -> std::process::ExitCode {
    rekisteri::private::owner_only_from_now();
    // Personal data never goes to logs: a panic's message may quote the
    // input (a name cut at a byte), so only where it happened is written.
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "an unknown place".into());
        eprintln!(
            "error: a panic at {place} (its message is not shown: it may quote personal data) / \
             virhe: ohjelma keskeytyi kohdassa {place} (viestiä ei näytetä: se voi sisältää henkilötietoja)"
        );
    }));
    let args = rekisteri::cli::Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(rekisteri::cli::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<rekisteri::cli::Deferred>() {
            Some(deferred) => {
                println!("{deferred}");
                std::process::ExitCode::from(rekisteri::cli::Deferred::EXIT_CODE)
            }
            None => {
                eprintln!("error: {error:#}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}
